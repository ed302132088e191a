"""Benchmarks (ARCHITECTURE: bench/ holds benchmarks and their recorded results); see bench/README.md."""
