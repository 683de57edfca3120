"""依申请公开 (disclosure requests, docs/disclosure-and-reports.md): the legal clock (`deadlines`) and the
register's operations that the CLI and the dashboard share (`register`). Its alerts are made
by the sweep (monitor.sweep.disclosure)."""
