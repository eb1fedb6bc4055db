from reconcile.cli import run

run()
