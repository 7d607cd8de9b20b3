"""Benchmarks: each stage beside its obvious alternative, in the same run (`make bench`)."""
