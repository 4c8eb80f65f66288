import keyring
import keyring.backends.fail
import pytest

from socialinbox.secrets import KeyringSecretStore, MemorySecretStore, account_key, open_secret_store


def test_keyring_store_round_trip(memory_keyring) -> None:  # type: ignore[no-untyped-def]
    store, warning = open_secret_store()
    assert isinstance(store, KeyringSecretStore) and warning is None
    store.set(account_key(3), "tok-abc")
    assert store.get(account_key(3)) == "tok-abc"
    assert memory_keyring.passwords[("socialinbox", "account-3")] == "tok-abc"
    store.delete(account_key(3))
    store.delete(account_key(3))  # deleting twice is fine
    assert store.get(account_key(3)) is None


def test_without_a_keyring_tokens_stay_in_memory_and_the_owner_is_told() -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store, warning = open_secret_store()
    assert isinstance(store, MemorySecretStore) and not store.persistent
    assert warning is not None and "sign in again" in warning
    store.set("account-1", "tok-secret")
    assert store.get("account-1") == "tok-secret"


def test_memory_store_never_shows_secrets_in_its_repr() -> None:
    store = MemorySecretStore()
    store.set("account-1", "tok-SUPERSECRET")
    assert "SUPERSECRET" not in repr(store)


@pytest.mark.parametrize("account_id", [1, 42])
def test_account_key_names_the_account(account_id: int) -> None:
    assert account_key(account_id) == f"account-{account_id}"
