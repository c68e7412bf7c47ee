//! HdrHistograms in text records, losslessly: the V2 compressed encoding (V2 + DEFLATE,
//! base64) that `.hlog` lines carry, so that a shard's record holds its histograms whole
//! and `wsbench merge` adds them into exactly the histogram of all their samples. Used as
//! `#[serde(with = "histogram_codec")]` (and `histogram_codec::by_second` for a map).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{
    Deserializer as HdrDeserializer, Serializer, V2DeflateSerializer,
};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer as SerdeSerializer};

/// The histogram's V2 compressed bytes, base64.
pub fn encode(histogram: &Histogram<u64>) -> Result<String, String> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .map_err(|e| format!("cannot encode a histogram: {e:?}"))?;
    Ok(STANDARD.encode(bytes))
}

/// The histogram `encode` wrote.
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| format!("a histogram is not base64: {e}"))?;
    HdrDeserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("a histogram does not decode: {e:?}"))
}

pub fn serialize<S: SerdeSerializer>(h: &Histogram<u64>, s: S) -> Result<S::Ok, S::Error> {
    encode(h).map_err(serde::ser::Error::custom)?.serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Histogram<u64>, D::Error> {
    decode(&String::deserialize(d)?).map_err(D::Error::custom)
}

/// A map of histograms (a timeline's seconds), each encoded as above.
pub mod by_second {
    use std::collections::BTreeMap;

    use super::*;

    pub fn serialize<S: SerdeSerializer>(
        map: &BTreeMap<u64, Histogram<u64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let encoded = map
            .iter()
            .map(|(k, h)| encode(h).map(|text| (*k, text)))
            .collect::<Result<BTreeMap<u64, String>, String>>()
            .map_err(serde::ser::Error::custom)?;
        encoded.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<u64, Histogram<u64>>, D::Error> {
        BTreeMap::<u64, String>::deserialize(d)?
            .into_iter()
            .map(|(k, text)| decode(&text).map(|h| (k, h)))
            .collect::<Result<_, _>>()
            .map_err(D::Error::custom)
    }
}
