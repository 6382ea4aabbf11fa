"""Chapters: one module per question family. Each chapter's composition loads its tables (through
the context the runner gives it), analyses, discloses and presents, and returns one result object
whose parts the notebook shows. A chapter module never imports another."""
