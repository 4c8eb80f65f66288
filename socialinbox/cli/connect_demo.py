"""``socialinbox accounts add demo``: the built-in demo shop, no account needed."""

from __future__ import annotations

import argparse
from typing import Any

from socialinbox.wiring import Core, add_demo_account


def register(platforms: Any) -> None:
    demo = platforms.add_parser("demo", help="the built-in demo shop (no account needed)")
    demo.add_argument("--seed", type=int, default=7, help="another seed gives other customers and messages")
    demo.set_defaults(run=add_demo)


def add_demo(core: Core, args: argparse.Namespace) -> int:
    account = add_demo_account(core, seed=args.seed)
    print(f"Connected {account.label} as account {account.id}.")
    return 0
