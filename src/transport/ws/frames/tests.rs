use proptest::prelude::*;

use super::*;

/// A server frame: FIN as given, unmasked, the shortest length form.
fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let first = if fin { 0x80 } else { 0 } | opcode;
    crate::transport::ws_deflate::wire::server_frame(first, payload, &mut out);
    out
}

/// What `input` decodes to, fed in pieces cut at `cuts` as a read buffer would hold it.
fn decode_in_pieces(input: &[u8], cuts: &[usize]) -> Result<Vec<String>, FrameError> {
    let mut decoder = FrameDecoder::default();
    let mut seen = Vec::new();
    let mut buffered = Vec::new();
    let mut from = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        let cut = cut.clamp(from, input.len());
        buffered.extend_from_slice(&input[from..cut]);
        from = cut;
        while let Some((incoming, used)) = decoder.next(&buffered)? {
            seen.push(match incoming {
                Incoming::Text(text) => format!("text {}", String::from_utf8_lossy(text)),
                Incoming::Ping(payload) => format!("ping {payload:?}"),
                other => format!("{other:?}"),
            });
            buffered.drain(..used);
        }
    }
    assert!(buffered.is_empty(), "nothing left over");
    Ok(seen)
}

#[test]
fn every_length_class_and_fragmentation_split_at_every_byte() {
    let long16 = "a".repeat(300);
    let long64 = "b".repeat(MAX_MESSAGE);
    let mut wire = frame(true, 0x1, b"{\"seq\":1}");
    wire.extend(frame(true, 0x1, long16.as_bytes()));
    wire.extend(frame(false, 0x1, b"frag"));
    wire.extend(frame(true, 0x9, b"hi"));
    wire.extend(frame(false, 0x0, b"men"));
    wire.extend(frame(true, 0x0, b"ted"));
    wire.extend(frame(true, 0x2, b"\x00\x01"));
    wire.extend(frame(true, 0xA, b""));
    wire.extend(frame(true, 0x8, b"\x03\xe8"));
    let expected = vec![
        "text {\"seq\":1}".to_string(),
        format!("text {long16}"),
        "Fragment".into(),
        "ping [104, 105]".into(),
        "Fragment".into(),
        "text fragmented".into(),
        "Binary".into(),
        "Pong".into(),
        "Close".into(),
    ];
    for cut in 0..=wire.len() {
        assert_eq!(
            decode_in_pieces(&wire, &[cut]).unwrap(),
            expected,
            "cut at {cut}"
        );
    }
    // The 64-bit form, which the server may use for any length.
    let mut wide = vec![0x81, 127];
    wide.extend_from_slice(&(long64.len() as u64).to_be_bytes());
    wide.extend_from_slice(long64.as_bytes());
    assert_eq!(
        decode_in_pieces(&wide, &[5, 9, 100]).unwrap(),
        [format!("text {long64}")]
    );
}

#[test]
fn protocol_errors_are_refused() {
    let cases: [(Vec<u8>, FrameError); 6] = [
        (vec![0x81, 0x81, 1, 2, 3, 4, b'x'], FrameError::Masked),
        (vec![0xC1, 0x00], FrameError::Reserved(0xC1)),
        (vec![0x83, 0x00], FrameError::Reserved(0x3)),
        (frame(false, 0x9, b""), FrameError::BadControl),
        (frame(true, 0x0, b"x"), FrameError::BadFragment),
        (
            [frame(false, 0x1, b"a"), frame(true, 0x1, b"b")].concat(),
            FrameError::BadFragment,
        ),
    ];
    for (wire, error) in cases {
        assert_eq!(decode_in_pieces(&wire, &[]), Err(error), "{wire:?}");
    }
    let mut huge = vec![0x81, 127];
    huge.extend_from_slice(&(MAX_MESSAGE as u64 + 1).to_be_bytes());
    assert_eq!(decode_in_pieces(&huge, &[]), Err(FrameError::TooBig));
}

#[test]
fn rsv1_marks_a_compressed_message_only_once_deflate_is_agreed() {
    let mut compressed = frame(true, 0x1, b"zz");
    compressed[0] |= 0x40;
    let mut decoder = FrameDecoder::default();
    assert_eq!(
        decoder
            .next(&compressed)
            .map(|f| f.map(|(i, _)| format!("{i:?}"))),
        Err(FrameError::Reserved(0xC1))
    );
    decoder.set_deflate(true);
    let (incoming, used) = decoder.next(&compressed).unwrap().unwrap();
    let whole = Incoming::Compressed {
        payload: b"zz",
        text: true,
    };
    assert_eq!((incoming, used), (whole, 4));
    // Fragmented: RSV1 on the first frame only; on a continuation or a control frame
    // it is refused.
    let mut first = frame(false, 0x1, b"ab");
    first[0] |= 0x40;
    let mut wire = first.clone();
    wire.extend(frame(true, 0x0, b"cd"));
    let (incoming, used) = decoder.next(&wire).unwrap().unwrap();
    assert_eq!(incoming, Incoming::Fragment);
    let (incoming, _) = decoder.next(&wire[used..]).unwrap().unwrap();
    let joined = Incoming::Compressed {
        payload: b"abcd",
        text: true,
    };
    assert_eq!(incoming, joined);
    for first in [0xC9, 0xC0] {
        let refused = decoder
            .next(&[first, 0])
            .map(|f| f.map(|(i, _)| format!("{i:?}")));
        assert_eq!(refused, Err(FrameError::Reserved(first)));
    }
}

#[test]
fn client_frames_are_masked() {
    let mut out = Vec::new();
    pong(b"hi", [1, 2, 3, 4], &mut out);
    assert_eq!(out, [0x8A, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
    out.clear();
    close([9, 9, 9, 9], &mut out);
    assert_eq!(
        out,
        [0x88, 0x80, 9, 9, 9, 9],
        "6 bytes, as tungstenite's close(None)"
    );
}

proptest! {
    #[test]
    fn messages_cut_anywhere_come_out_whole(
        messages in proptest::collection::vec("[a-z]{0,300}", 1..6),
        cuts in proptest::collection::vec(0usize..2000, 0..8),
    ) {
        let wire: Vec<u8> = messages.iter().flat_map(|m| frame(true, 0x1, m.as_bytes())).collect();
        let mut cuts = cuts;
        cuts.sort_unstable();
        let expected: Vec<String> = messages.iter().map(|m| format!("text {m}")).collect();
        prop_assert_eq!(decode_in_pieces(&wire, &cuts).unwrap(), expected);
    }
}

/// A client's text message is what tungstenite reads as that text, at each length form.
#[test]
fn text_messages_are_masked_frames_of_every_length_form() {
    use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
    for len in [0usize, 125, 126, 65_535, 65_536] {
        let payload: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let mut out = Vec::new();
        text(&payload, [1, 2, 3, 4], &mut out);
        let mut cursor = std::io::Cursor::new(&out[..]);
        let (header, length) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
        assert_eq!(length as usize, len);
        assert!(header.is_final);
        assert_eq!(header.mask, Some([1, 2, 3, 4]));
        let start = cursor.position() as usize;
        let mut body = out[start..].to_vec();
        for (i, byte) in body.iter_mut().enumerate() {
            *byte ^= [1, 2, 3, 4][i % 4];
        }
        assert_eq!(body, payload);
    }
}
