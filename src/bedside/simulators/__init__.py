"""Bundled peers of Bedside's boundaries: each plays the outside system over its real wire
protocol (paths, signatures, answers, error codes), so that the demo and the tests run the
real clients against them. Only the composition root (cli.py's demo) and the tests start
them; no product code imports this package (an import-linter contract says so).

A peer keeps what it was sent (in memory, readable at GET /_sim/messages, and optionally in a
JSON-lines inbox file), takes injected faults at POST /_sim/faults and pushes delivery
receipts to Bedside's callback at POST /_sim/receipts. runner.py serves one on 127.0.0.1."""
