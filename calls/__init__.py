"""Call rooms: the room page, the signaling WebSocket, and an aiortc server peer (DESIGN §1)."""
