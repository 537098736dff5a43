"""The cost model: cycles and bytes, from device plans, formats and targets only.

`bsparse.cost.device` costs an ``aie.device`` program from its
`bsparse.plan.DevicePlan` (bsparse-to-aie compares candidate plans with it;
the interpreter's cost listener reports it per layer); `bsparse.cost.host`
holds the arithmetic of ops left on the host. Every constant is a field of a
target (`bsparse.targets.Target`) or a format's (`bsparse.patterns.format`).
"""
