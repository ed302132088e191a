"""Demo data of the homebound module (API.md "Demo additions"): registers its step with ``world.step``."""
