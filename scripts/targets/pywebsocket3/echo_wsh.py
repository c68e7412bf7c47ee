# An echo handler for pywebsocket3's standalone server, in its handler style (the
# project's own example/echo_wsh.py does the same): every message a client sends goes back
# to that client, as it came. pywebsocket3 serves it at /echo, from the file's name.
#
#   target/external/venv/bin/python -m pywebsocket3.standalone -H 127.0.0.1 -p 9998 \
#       -w scripts/targets/pywebsocket3
#   wsbench run echo --target http://127.0.0.1:9998 --dialect pywebsocket3 --target-pid PID
#
# pywebsocket3 runs one thread per connection, each blocked in receive_message.

from pywebsocket3 import msgutil


def web_socket_do_extra_handshake(request):
    # Any origin, any path parameters: the handshake is pywebsocket3's own.
    pass


def web_socket_transfer_data(request):
    while True:
        message = msgutil.receive_message(request)
        if message is None:
            # The client closed the connection.
            return
        binary = isinstance(message, bytes)
        msgutil.send_message(request, message, binary=binary)
