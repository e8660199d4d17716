// The frames of the WebSocket routes, as asyncapi.yaml describes them. The objects inside
// (Message, Room, Invitation) are the REST schemas generated from openapi.yaml.

import type { Invitation, Message, Room } from "./rest.js";

/**
 * A stored event's place in the event stream: one counter for the whole service, growing
 * with commit order. Keep the last one received and pass it as `since` to resume.
 */
export type Position = number;

// ---- stored events: each has a position and is replayed on resume

/**
 * A message was posted (REST, a legacy route or a socket's `new_message`). Without
 * `position` only as the answer to a retried `new_message` (a `client_id` already stored with
 * the same text), to the retrying socket alone: the original event went out before.
 */
export interface MessageCreated {
  position?: Position;
  type: "message.created";
  message: Message;
}

export interface MessageUpdated {
  position: Position;
  type: "message.updated";
  message: Message;
}

/** A message was deleted; its text is gone, from replays of its earlier events too. */
export interface MessageDeleted {
  position: Position;
  type: "message.deleted";
  chat_room: number;
  message_id: number;
}

/** `user_id` has read the room up to `message_id`. */
export interface Read {
  position: Position;
  type: "read";
  chat_room: number;
  user_id: number;
  message_id: number;
}

export interface ReactionAdded {
  position: Position;
  type: "reaction.added";
  chat_room: number;
  message_id: number;
  emoji: string;
  user_id: number;
  username: string;
  /** How many users react so now, this one included. */
  count: number;
}

export interface ReactionRemoved {
  position: Position;
  type: "reaction.removed";
  chat_room: number;
  message_id: number;
  emoji: string;
  user_id: number;
  username: string;
  /** How many users still react so (0: the emoji is gone from the message). */
  count: number;
}

/**
 * A room was created with the user among its first participants. Events carry the same
 * `room` for everyone: `messages` is empty and `unread_count`/`mention_count` are 0.
 */
export interface RoomCreated {
  position: Position;
  type: "room.created";
  room: Room;
}

/** A room was renamed or changed type (participants coming or going are `member.*`). */
export interface RoomUpdated {
  position: Position;
  type: "room.updated";
  room: Room;
}

/** The room's last event: a one-room socket on it is then closed for good. */
export interface RoomDeleted {
  position: Position;
  type: "room.deleted";
  chat_room: number;
}

/** `user_id` joined, added by `by` (themselves when they accepted an invitation). */
export interface MemberAdded {
  position: Position;
  type: "member.added";
  chat_room: number;
  user_id: number;
  by: number;
  room: Room;
}

/** `user_id` left (`by` is themselves) or was removed; they hear nothing more of the room. */
export interface MemberRemoved {
  position: Position;
  type: "member.removed";
  chat_room: number;
  user_id: number;
  by: number;
  reason: "left" | "removed" | "banned";
}

// Invitations are heard on every-room sockets only, by the inviter and the invitee.
export interface InvitationCreated {
  position: Position;
  type: "invitation.created";
  invitation: Invitation;
}

export interface InvitationAccepted {
  position: Position;
  type: "invitation.accepted";
  invitation: Invitation;
}

export interface InvitationDeclined {
  position: Position;
  type: "invitation.declined";
  invitation: Invitation;
}

/** A pending invitation was withdrawn; `invitation` is as it was before it went. */
export interface InvitationRevoked {
  position: Position;
  type: "invitation.revoked";
  invitation: Invitation;
}

// ---- ephemeral events: no position, never replayed

/** Another participant is typing (nobody hears their own). */
export interface Typing {
  type: "typing";
  chat_room: number;
  user_id: number;
  username: string;
}

/** A room-mate opened their first socket (`online`) or closed their last one. */
export interface Presence {
  type: "presence";
  user_id: number;
  username: string;
  online: boolean;
  /** RFC 3339; null while online. */
  last_seen_at: string | null;
}

/** An action this socket sent was refused; the socket stays open. */
export interface ActionError {
  type: "error";
  code:
    | "parse_error"
    | "unknown_action"
    | "invalid"
    | "permission_denied"
    | "not_found"
    | "conflict"
    | "throttled"
    | "unavailable"
    | "error";
  detail: string;
  /** Field → messages, exactly when `code` is `invalid` (as a REST 400). */
  errors?: Record<string, string[]>;
}

/**
 * The position resumed from is older than the server keeps: what happened since cannot be
 * replayed. Reload what the app shows over REST; the stream goes on from `position`.
 */
export interface Resync {
  type: "resync";
  reason: "position_expired";
  position: Position;
}

export type StoredEvent =
  | MessageCreated
  | MessageUpdated
  | MessageDeleted
  | Read
  | ReactionAdded
  | ReactionRemoved
  | RoomCreated
  | RoomUpdated
  | RoomDeleted
  | MemberAdded
  | MemberRemoved
  | InvitationCreated
  | InvitationAccepted
  | InvitationDeclined
  | InvitationRevoked;

export type EphemeralEvent = Typing | Presence | ActionError | Resync;

/** Every frame the server sends. Switch on `type` to narrow it. */
export type ChatEvent = StoredEvent | EphemeralEvent;

export type EventType = ChatEvent["type"];

/** The event whose `type` is `T`. */
export type EventOf<T extends EventType> = Extract<ChatEvent, { type: T }>;

// A record, not an array, so that the compiler insists on every type of the union.
const STORED: { [T in StoredEvent["type"]]: true } = {
  "message.created": true,
  "message.updated": true,
  "message.deleted": true,
  read: true,
  "reaction.added": true,
  "reaction.removed": true,
  "room.created": true,
  "room.updated": true,
  "room.deleted": true,
  "member.added": true,
  "member.removed": true,
  "invitation.created": true,
  "invitation.accepted": true,
  "invitation.declined": true,
  "invitation.revoked": true,
};
const EPHEMERAL: { [T in EphemeralEvent["type"]]: true } = {
  typing: true,
  presence: true,
  error: true,
  resync: true,
};

export const STORED_EVENT_TYPES = Object.keys(STORED) as StoredEvent["type"][];
export const EVENT_TYPES = [...STORED_EVENT_TYPES, ...Object.keys(EPHEMERAL)] as EventType[];

// ---- client → server

/**
 * Posts a message, stored like a REST POST; the room's `message.created` is the
 * acknowledgement, an `error` event the refusal. `chat_room` is required on every-room
 * sockets.
 */
export interface NewMessageAction {
  action: "new_message";
  message: string;
  chat_room?: number;
  /** Idempotency key (a UUID): a retry with the same one stores nothing new. */
  client_id?: string | null;
  reply_to?: number | null;
}

/** Tells the room's other participants that the user is typing. */
export interface TypingAction {
  action: "typing";
  chat_room?: number;
}

export type Action = NewMessageAction | TypingAction;
