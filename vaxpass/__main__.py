"""`python -m vaxpass` runs the command line."""

from vaxpass.cli import main

main()
