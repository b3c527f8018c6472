"""Background jobs: one set of job functions, two runners (in-process, arq)."""
