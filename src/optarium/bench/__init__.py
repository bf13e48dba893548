"""Benchmark suites, runners, audits and reports."""
