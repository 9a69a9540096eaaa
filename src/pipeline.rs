//! The build pipeline shared by `build` and `serve` (being written).
