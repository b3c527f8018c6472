"""Data rights: a person's data export, erase, the retention purge and re-blur."""
