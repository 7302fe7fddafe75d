"""vaxpass: the command line, the one place that composes the other packages."""
