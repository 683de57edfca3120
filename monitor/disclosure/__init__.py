"""依申请公开 (disclosure requests, DESIGN §12): the legal clock (`deadlines`) and the
register's operations that the CLI and the dashboard share (`register`). Its alerts are made
by the sweep (monitor.sweep.disclosure)."""
