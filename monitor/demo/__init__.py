"""The offline demo and its stand-ins; not product code (ARCHITECTURE.md).

- `run`: `opinion-monitor demo`, the daemon's own jobs on a simulated clock;
- `sampleportal`: a loopback portal serving the Lu'an CMS shapes and a news feed;
- `sinks`: a fake WeCom robot (real errcodes) and an aiosmtpd SMTP sink.

No product module imports this package; the CLI's `demo` command imports it lazily, and the
tests and benchmarks use the stand-ins as their loopback servers."""
