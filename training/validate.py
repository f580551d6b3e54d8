"""Entry point: python3 -m training.validate MODEL.onnx (see training/README.md)."""
import sys

from training.rcnn_lens_train.validate import main

if __name__ == "__main__":
    sys.exit(main())
