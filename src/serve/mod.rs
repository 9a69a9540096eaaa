//! The live-reload authoring server (being written).
