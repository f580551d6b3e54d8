"""Core of the RCNN Lens trainer: model, data, training, evaluation, export."""
