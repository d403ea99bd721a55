"""The Dagster code location of Sozialmonitor Ruhr (loaded from workspace.yaml)."""
