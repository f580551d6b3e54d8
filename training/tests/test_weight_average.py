"""The weight average (--ema): its arithmetic, that the checkpoint keeps both weight sets, that export
uses the averaged ones, and that the sweep runner reads the trainer's log lines."""
from __future__ import annotations

import torch
import torch.nn as nn

from helpers import make_synthetic_folder, run_cli
from training.rcnn_lens_train.export_cli import load_checkpoint
from training.rcnn_lens_train.sweep import summarise_log
from training.rcnn_lens_train.train import WeightAverage


def test_update_is_a_moving_average_of_parameters_and_buffers():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    avg = WeightAverage(net, decay=0.9)
    before = {k: v.clone() for k, v in avg.model.state_dict().items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
        net[1].running_mean.fill_(4.0)
        net[1].num_batches_tracked.fill_(7)
    avg.update(net)  # first update: the decay ramps up, d = min(0.9, 2 / 11)
    d = 2 / 11
    after, src = avg.model.state_dict(), net.state_dict()
    for k, v in after.items():
        if v.dtype.is_floating_point:
            torch.testing.assert_close(v, d * before[k] + (1 - d) * src[k])
        else:
            assert torch.equal(v, src[k]), k  # integer buffers are copied, not averaged
    assert all(not p.requires_grad for p in avg.model.parameters())
    for _ in range(200):
        avg.update(net)
    assert avg.updates == 201
    torch.testing.assert_close(avg.model[0].weight, net[0].weight)  # converges to constant weights


def test_checkpoint_keeps_raw_and_averaged_weights_and_export_uses_the_average(tmp_path):
    data = make_synthetic_folder(tmp_path / "data", n_per_class=20, size=16)
    r = run_cli(["-m", "training.train", "--data", str(data), "--out-dir", str(tmp_path), "--name", "ema",
                 "--epochs", "2", "--time-budget", "0", "--val-images", "8", "--size", "16", "--widths", "4,8",
                 "--pools", "1,1", "--context-widths", "4", "--hidden-size", "4", "--batch-size", "16", "--ema", "0.5", "--device", "cpu"],
                env={"RCNN_LENS_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 0, r.stderr + r.stdout
    assert "(raw weights " in r.stdout  # the last epoch reports both
    ck = torch.load(tmp_path / "ema" / "last.pt", weights_only=False)
    assert ck["ema_updates"] == 2 * (72 // 16)
    w = "classifier.weight"
    assert not torch.equal(ck["ema"][w], ck["model"][w])
    model, _ = load_checkpoint(str(tmp_path / "ema" / "last.pt"))
    assert torch.equal(model.state_dict()[w], ck["ema"][w])
    s = summarise_log(r.stdout)
    assert s["epochs"] == 2 and s["of"] == 2 and 0 <= s["val_acc"] <= 1 and s["val_acc_raw_weights"] is not None


def test_summarise_log_reads_trainer_lines():
    log = ("epoch 1/3 (schedule 33%): loss 2.0 train_acc 0.5 val_acc 0.6100 (12s, total 0.2 min)\n"
           "epoch 2/3 (schedule 67%): loss 1.0 train_acc 0.7 val_acc 0.7400 (raw weights 0.7000) (12s, total 0.4 min)\n"
           "pytorch val_acc with flip-TTA (not in the ONNX model): 0.7500\n")
    s = summarise_log(log)
    assert s == {"epochs": 2, "of": 3, "val_acc": 0.74, "val_acc_raw_weights": 0.70, "best_val_acc": 0.74,
                 "minutes": 0.4, "val_acc_tta": 0.75}
    assert summarise_log("no epochs here") == {"epochs": 0}
