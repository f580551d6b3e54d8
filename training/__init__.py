"""RCNN Lens training package (see training/README.md)."""
