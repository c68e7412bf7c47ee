//! The client socket every transport reads: counted at the socket, stamped by the kernel.

use std::os::fd::AsRawFd;

use std::net::{IpAddr, SocketAddr};

use tokio::net::{TcpSocket, TcpStream};

use super::{Client, SegmentMeter};
use crate::metrics::counting::CountingStream;
use crate::metrics::receive_stamp::StampedTcp;

/// Opens a counted TCP connection to the plan's server, whose reads carry the kernel's
/// receive stamps. A kernel that will not stamp is noted in the recorder; the connection
/// works all the same, and its events are timed by the application's clock.
pub async fn counted_socket(
    client: &Client,
) -> std::io::Result<(CountingStream<StampedTcp>, SegmentMeter)> {
    let stream = connect(client.plan.addr, client.plan.bind).await?;
    stream.set_nodelay(true)?;
    let meter = SegmentMeter::new(stream.as_raw_fd(), client.plan.sockets.clone());
    let stream = StampedTcp::wrap(stream);
    if let Err(e) = stream.enable_stamps() {
        client
            .recorder
            .borrow_mut()
            .note_stamp_error(format!("setsockopt(SO_TIMESTAMPNS) failed: {e}"));
    }
    Ok((
        CountingStream::new(stream, client.control.bytes.clone()),
        meter,
    ))
}

/// Connects to `addr`, from `bind` (any free port of that local address) when given.
async fn connect(addr: SocketAddr, bind: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let Some(local) = bind else {
        return TcpStream::connect(addr).await;
    };
    let socket = match local {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    defer_port_choice(&socket)?;
    socket.bind(SocketAddr::new(local, 0))?;
    socket.connect(addr).await
}

/// `IP_BIND_ADDRESS_NO_PORT`: the port is chosen at `connect`, for the four-tuple, rather
/// than at `bind`, where it must be free towards every destination. Without it one source
/// address runs out of ports at about 28,000 sockets, those in TIME_WAIT from the previous
/// transport's run included.
fn defer_port_choice(socket: &TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and an int option of the documented size.
    let set = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    match set {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}
