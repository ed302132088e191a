"""Demo data of the rooms module (API.md "Demo additions"): registers its step with ``world.step``."""
