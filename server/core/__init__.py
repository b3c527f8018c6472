"""Framework-free building blocks every domain uses: domain errors, id parsing."""
