use super::*;

fn settings(snct: bool, cnct: bool, server_bits: u8, client_bits: u8) -> Params {
    Params {
        server_no_context_takeover: snct,
        client_no_context_takeover: cnct,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    }
}

#[test]
fn offers_name_what_is_not_the_default() {
    assert_eq!(
        Params::default().offer(),
        "permessage-deflate; client_max_window_bits"
    );
    assert_eq!(
        settings(true, true, 10, 12).offer(),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=10; client_max_window_bits=12"
    );
}

#[test]
fn the_server_grants_a_browser_offer_within_its_settings() {
    // What Chromium and Firefox send.
    let browser = ["permessage-deflate; client_max_window_bits"];
    let (agreed, answer) = Params::default().accept(browser.into_iter()).unwrap();
    assert_eq!(
        (agreed, answer.as_str()),
        (Params::default(), "permessage-deflate")
    );
    let (agreed, answer) = settings(true, false, 11, 10)
        .accept(browser.into_iter())
        .unwrap();
    assert_eq!(agreed, settings(true, false, 11, 10));
    assert_eq!(
        answer,
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11; \
         client_max_window_bits=10"
    );
}

#[test]
fn the_server_honours_what_the_client_asks_and_limits_only_what_it_may() {
    let ours = settings(false, false, 12, 10);
    let offer = [
        "x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover; server_max_window_bits=\"10\"",
    ];
    let (agreed, answer) = ours.accept(offer.into_iter()).unwrap();
    // No client_max_window_bits offered: the client's window cannot be limited.
    assert_eq!(agreed, settings(true, false, 10, 15));
    assert_eq!(
        answer,
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
    );
}

#[test]
fn malformed_or_unusable_offers_are_declined_and_the_next_one_taken() {
    for offer in [
        "permessage-deflate; foo",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=8",
        "x-webkit-deflate-frame",
    ] {
        assert_eq!(
            Params::default().accept([offer].into_iter()),
            None,
            "{offer}"
        );
    }
    let two = [
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=9",
    ];
    let (agreed, _) = Params::default().accept(two.into_iter()).unwrap();
    assert_eq!(agreed, settings(false, false, 15, 9));
}

#[test]
fn the_client_checks_the_answer_against_its_offer() {
    let offer = settings(true, false, 12, 15);
    assert_eq!(
        offer.agreed(Some(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        )),
        Ok(settings(true, false, 10, 15))
    );
    assert_eq!(offer.agreed(None), Err(ExtensionError::Declined));
    for answer in [
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=13",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover, permessage-deflate",
    ] {
        assert!(
            matches!(
                offer.agreed(Some(answer)),
                Err(ExtensionError::Unacceptable(_))
            ),
            "{answer}"
        );
    }
}
