"""checkpoint_app: the checkpoint officer's offline app, built on verifier only (issue 5)."""
