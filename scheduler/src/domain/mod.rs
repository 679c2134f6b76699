//! Pure rules: validation of names and zones now; severity policy, incident transitions,
//! deadlines and rotations as the later issues add them.

pub mod text;
pub mod zone;
