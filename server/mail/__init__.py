"""Outgoing mail: messages with the product's look (plain text + HTML) and their delivery."""
