"""Screenshots of the account screens (offscreen): the Add account dialog's pages and an account's health details.

.venv/bin/python scripts/screenshot_accounts.py docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from shots import out_dir_argument, start, throwaway_core

from socialinbox.domain import Health, Platform, PollResult, RateBudget
from socialinbox.ui.dialogs.account_health import AccountHealthDialog
from socialinbox.ui.dialogs.account_page import PageContext
from socialinbox.ui.dialogs.add_account_dialog import AddAccountDialog
from socialinbox.ui.dialogs.instagram_page import InstagramPage


def main(out_dir: Path) -> int:
    app = start(out_dir)
    with throwaway_core() as core:
        dialog = AddAccountDialog(PageContext(core, open_url=lambda url: True))
        dialog.show()
        dialog.pages[0].server.setText("mastodon.social")  # type: ignore[attr-defined]
        app.processEvents()
        dialog.grab().save(str(out_dir / "add-account-mastodon.png"))
        for platform, name in (
            (Platform.TELEGRAM, "telegram"),
            (Platform.INSTAGRAM, "instagram"),
            (Platform.X, "x"),
            (Platform.GOOGLE_REVIEWS, "google-reviews"),
        ):
            dialog.show_platform(platform)
            app.processEvents()
            dialog.grab().save(str(out_dir / f"add-account-{name}.png"))
        instagram = dialog.page_for(Platform.INSTAGRAM)
        assert isinstance(instagram, InstagramPage)
        dialog.show_platform(Platform.INSTAGRAM)
        instagram.without_page.click()  # the way in for an account without a Facebook Page
        app.processEvents()
        dialog.grab().save(str(out_dir / "add-account-instagram-login.png"))
        dialog.close()
        now = core.clock.now()
        account = core.repository.add_account(
            Platform.MASTODON, "cornerbakery@mastodon.social", now, display_name="Corner Bakery"
        )
        budget = RateBudget(remaining=291, limit=300, resets_at=now + timedelta(minutes=4))
        core.repository.save_poll(account.id, PollResult((), "1", budget), now - timedelta(minutes=3), now)
        failed = core.repository.record_poll_problem(
            account.id,
            Health.NEEDS_RECONNECT,
            "Mastodon rejected the sign-in (HTTP 401). Reconnect the account.",
            now,
            None,
        )
        details = AccountHealthDialog(failed, core.clock.now)
        details.show()
        app.processEvents()
        details.grab().save(str(out_dir / "account-health.png"))
        details.close()
        core.close()
    print(f"saved the account screenshots in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument()))
