"""Word (and PDF) exports: the domain-independent engine and the reference template."""
