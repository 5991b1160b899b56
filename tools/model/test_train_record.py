#!/usr/bin/python3
"""Checks of train_default.py's command line and training record that need no data, torch or network (~1 s):

    /usr/bin/python3 tools/model/test_train_record.py

* the training record (models/default/training.json, shipped in the npm package) names build folders
  relative to the repository, never by the absolute path of the machine that built them
  (``portable_path``; the hyperparameters used to be copied verbatim, e.g. "/work/main/models/default");
* the word-vector options are off by default and ``all`` then skips the ``vectors`` stage (which fetches
  a 118 MB npm package): a plain rebuild of the committed model needs no network.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train_default  # noqa: E402
from train_default import REPO, portable_path  # noqa: E402


def check_portable_path():
    assert portable_path(os.path.join(REPO, "models", "default")) == "models/default"
    assert portable_path(os.path.join(REPO, "tools", "model", ".work-default")) == "tools/model/.work-default"
    assert portable_path(os.path.join(REPO, "models", "default") + os.sep) == "models/default"
    outside = os.path.join(os.path.dirname(REPO), "elsewhere", "runA")
    assert portable_path(outside) == "<outside the repository>/runA", portable_path(outside)
    # a relative folder is taken relative to the working directory, like the stages do
    cwd = os.getcwd()
    try:
        os.chdir(REPO)
        assert portable_path("models/default") == "models/default"
    finally:
        os.chdir(cwd)
    for p in (os.path.join(REPO, "models", "default"), outside, "/"):
        assert not os.path.isabs(portable_path(p)), p


def check_defaults_skip_vectors():
    ran = []
    stages = {name: (lambda n: (lambda args: ran.append((n[len("stage_"):], args.word_vectors, args.paraphrase))))(name)
              for name in ("stage_tokenizer", "stage_vectors", "stage_data", "stage_train", "stage_train2", "stage_export")}
    saved = {name: getattr(train_default, name) for name in stages}
    work = os.path.join(HERE, ".work-test-train-record")
    try:
        for name, fn in stages.items():
            setattr(train_default, name, fn)
        train_default.main(["all", "--work", work])
        assert [r[0] for r in ran] == ["tokenizer", "data", "train", "train2", "export"], ran
        assert all(r[1:] == (False, False) for r in ran), ran
        ran.clear()
        train_default.main(["all", "--work", work, "--word-vectors"])
        assert [r[0] for r in ran] == ["tokenizer", "vectors", "data", "train", "train2", "export"], ran
    finally:
        for name, fn in saved.items():
            setattr(train_default, name, fn)
        if os.path.isdir(work):
            os.rmdir(work)


def main() -> int:
    check_portable_path()
    check_defaults_skip_vectors()
    print("train record: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
