"""Python's `websockets` client against rgi-web's chat example.

Usage: ws_client.py HOST:PORT
Checks text, binary, a fragmented message, ping, a 1 MiB message, the close
handshake and 100 sockets at once; prints "ok" and exits 0, or fails with
an assertion.
"""
import asyncio
import sys

import websockets


async def main(addr):
    url = f"ws://{addr}/ws/python"
    async with websockets.connect(url, max_size=4 << 20) as a, websockets.connect(url) as b:
        await asyncio.sleep(0.2)
        await a.send("hello")
        assert await a.recv() == "hello"
        assert await b.recv() == "hello"
        await b.send(b"\x00\x01\xff")
        assert await a.recv() == b"\x00\x01\xff"
        assert await b.recv() == b"\x00\x01\xff"  # the room includes the sender
        # An iterable is sent as one fragmented message.
        await a.send(["frag", "men", "ted"])
        assert await b.recv() == "fragmented"
        assert await a.recv() == "fragmented"
        pong = await b.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        big = b"x" * (1 << 20)
        await b.send(big)
        assert await a.recv() == big
        await a.close()
        assert a.close_code == 1000, a.close_code
    crowd = [await websockets.connect(f"ws://{addr}/ws/crowd") for _ in range(100)]
    await asyncio.sleep(0.5)
    for i, ws in enumerate(crowd):
        await ws.send(f"from {i}")

    async def count(ws):
        got = 0
        while got < 100:
            await ws.recv()
            got += 1
        await ws.close()
        return got

    totals = await asyncio.wait_for(asyncio.gather(*(count(ws) for ws in crowd)), 60)
    assert totals == [100] * 100, totals
    print("ok")


asyncio.run(main(sys.argv[1]))
