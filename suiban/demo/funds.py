"""Demo data of the funds module (API.md "Demo additions"): registers its step with ``world.step``."""
