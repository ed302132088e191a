"""Demo data of the oversight module (API.md "Demo additions"): registers its step with ``world.step``."""
