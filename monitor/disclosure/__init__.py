"""依申请公开 (disclosure requests, DESIGN §12): the legal clock (`deadlines`), the register's
operations that the CLI and the dashboard share (`register`), and its sweep steps (`sweep`)."""
