"""Insight into tracked time: the applications people used, and unusual-activity flags."""
