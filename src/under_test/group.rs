//! A wsbench server of several processes (`wsbench serve --processes K`), read as one: its
//! `/stats` summed over the processes, each read on its own port, and each process told
//! of the window's start and end.

use std::net::SocketAddr;

use super::TargetError;
use super::matched::{request, request_with};
use crate::wire::{StatsReply, sum_group};

/// The processes' own addresses, from `reply`'s group (on the IP the server was reached
/// at); empty for a server of one process.
pub fn members(addr: SocketAddr, reply: &StatsReply) -> Vec<SocketAddr> {
    reply.group.as_ref().map_or_else(Vec::new, |group| {
        group
            .ports
            .iter()
            .map(|&port| SocketAddr::new(addr.ip(), port))
            .collect()
    })
}

/// `GET target` (a `/stats` request) on the server at `addr`, as a reply of the whole
/// server: a group's processes read each on its own port and summed.
pub async fn stats(addr: SocketAddr, target: &str) -> Result<(u16, StatsReply), TargetError> {
    let (status, first) = get_stats(addr, target).await?;
    let members = members(addr, &first);
    if status != 200 || members.len() < 2 {
        return Ok((status, first));
    }
    let mut replies = Vec::with_capacity(members.len());
    for member in members {
        let (status, reply) = get_stats(member, target).await?;
        if status != 200 {
            return Err(control_failed(
                target,
                format!("server process at {member} answered {status}"),
            ));
        }
        replies.push(reply);
    }
    let sum = sum_group(replies).map_err(|e| control_failed(target, e.to_string()))?;
    Ok((status, sum))
}

async fn get_stats(addr: SocketAddr, target: &str) -> Result<(u16, StatsReply), TargetError> {
    let (status, body) = request(addr, "GET", target).await?;
    if status != 200 {
        return Ok((status, StatsReply::default()));
    }
    let reply =
        serde_json::from_str(&body).map_err(|e| control_failed(target, format!("{addr}: {e}")))?;
    Ok((status, reply))
}

/// `POST target` with `headers` to every process (`members`), or to `addr` when there is
/// one; the first process's answer.
pub async fn post_all(
    addr: SocketAddr,
    members: &[SocketAddr],
    target: &str,
    headers: &str,
) -> Result<(u16, String), TargetError> {
    let Some((&first, others)) = members.split_first() else {
        return request_with(addr, "POST", target, headers).await;
    };
    let answer = request_with(first, "POST", target, headers).await?;
    for &member in others {
        let (status, body) = request_with(member, "POST", target, headers).await?;
        if status != answer.0 {
            return Err(control_failed(
                target,
                format!(
                    "server process at {member} answered {status}: {}",
                    body.trim()
                ),
            ));
        }
    }
    Ok(answer)
}

fn control_failed(target: &str, reason: String) -> TargetError {
    TargetError::Control {
        request: target.to_string(),
        reason,
    }
}
