"""Stand-ins for outside services, for the demo, the tests and the benchmarks; never used in production.

`loopback_twilio` is a Twilio-compatible REST API on a local port that the real `twilio` client talks to.
"""
