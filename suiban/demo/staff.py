"""Demo data of the staff module (API.md "Demo additions"): registers its step with ``world.step``."""
