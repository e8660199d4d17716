//! Black-box tests: the real server on a random port with its own database, spoken to over
//! HTTP. One binary (modules below) so the suite links once.

mod auth;
mod conventions;
mod direct_messages;
mod helpers;
mod legacy;
mod limits;
mod matrix;
mod message_pagination;
mod messages;
mod operability;
mod pagination_props;
mod realtime;
mod room_pagination;
mod rooms;
mod spec;
mod storage;
mod timeouts;
mod users;
