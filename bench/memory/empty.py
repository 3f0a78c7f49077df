"""Does nothing: what run_script.py itself costs in a whole-script run."""
