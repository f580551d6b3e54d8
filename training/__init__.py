"""RCNN Lens training package (see training/README.md). Importing it has no side effects."""
