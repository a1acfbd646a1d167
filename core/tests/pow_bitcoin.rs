//! The pure Bitcoin pieces against Bitcoin itself: mainnet headers and hashes, a real merkle
//! root, Bitcoin Core's retarget test vectors (src/test/pow_tests.cpp), compact encoding round
//! trips and the whitepaper's §11 table.

use distlab_core::models::pow::bitcoin::*;

fn h(hex: &str) -> Hash {
    hash_from_hex(hex).expect("64 hex digits")
}

fn genesis() -> Header {
    Header {
        version: 1,
        prev: ZERO_HASH,
        merkle: h("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
        time: 1231006505,
        bits: 0x1d00ffff,
        nonce: 2083236893,
    }
}

#[test]
fn genesis_header_bytes_and_hash() {
    let bytes = genesis().to_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
    );
    assert_eq!(Header::from_bytes(&bytes), genesis());
    assert_eq!(hash_hex(&genesis().hash()), "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
    let target = bits_to_target(0x1d00ffff).unwrap();
    assert!(U256::from_le_bytes(&genesis().hash()) <= target);
}

#[test]
fn block_1_and_block_100000() {
    let b1 = Header {
        version: 1,
        prev: genesis().hash(),
        merkle: h("0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098"),
        time: 1231469665,
        bits: 0x1d00ffff,
        nonce: 2573394689,
    };
    assert_eq!(hash_hex(&b1.hash()), "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048");
    let b100k = Header {
        version: 1,
        prev: h("000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250"),
        merkle: h("f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"),
        time: 1293623863,
        bits: 0x1b04864c,
        nonce: 274148111,
    };
    assert_eq!(hash_hex(&b100k.hash()), "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506");
    assert!((difficulty(0x1b04864c) - 14484.162361225399).abs() < 1e-6, "{}", difficulty(0x1b04864c));
    assert_eq!(difficulty(0x1d00ffff), 1.0);
}

#[test]
fn midstate_hasher_matches_plain_hashing_and_finds_the_genesis_nonce() {
    let g = genesis();
    let mut hasher = HeaderHasher::new(&g);
    assert_eq!(hasher.hash(g.nonce), g.hash());
    for nonce in [0u32, 1, 77, 0xffff_ffff] {
        let mut x = g;
        x.nonce = nonce;
        assert_eq!(hasher.hash(nonce), sha256d(&x.to_bytes()));
    }
    let target = bits_to_target(0x1d00ffff).unwrap();
    let (found, tried) = hasher.search(g.nonce - 1000, 5000, &target);
    assert_eq!(found, Some(g.nonce));
    assert_eq!(tried, 1001);
}

#[test]
fn compression_function_matches_fips_180_and_the_sha2_crate() {
    // FIPS 180-4's one-block example: SHA-256("abc").
    let mut block = [0u32; 16];
    block[0] = 0x6162_6380;
    block[15] = 24;
    let mut state = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    compress(&mut state, &block);
    assert_eq!(state, [0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad]);
    // Any block from any state: the same as sha2's own compression.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u32
    };
    for _ in 0..200 {
        let mut s = [0u32; 8];
        s.iter_mut().for_each(|w| *w = next());
        let mut bytes = [0u8; 64];
        let mut words = [0u32; 16];
        for (i, w) in words.iter_mut().enumerate() {
            *w = next();
            bytes[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        let mut ours = s;
        compress(&mut ours, &words);
        let mut theirs = s;
        sha2::compress256(&mut theirs, &[bytes.into()]);
        assert_eq!(ours, theirs);
    }
}

#[test]
fn sha256_matches_fips_180_and_the_sha2_crate_at_every_padding_length() {
    // FIPS 180-4's examples (one block, empty, two blocks).
    let hex = |h: Hash| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(sha256(b"abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(hex(sha256(b"")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(hex(sha256(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // Every length across three blocks (padding in the same block, or spilling into the next).
    use sha2::{Digest, Sha256};
    let data: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for n in 0..=data.len() {
        let theirs: Hash = Sha256::digest(&data[..n]).into();
        assert_eq!(sha256(&data[..n]), theirs, "SHA-256 of {n} bytes");
        let twice: Hash = Sha256::digest(Sha256::digest(&data[..n])).into();
        assert_eq!(sha256d(&data[..n]), twice, "double SHA-256 of {n} bytes");
    }
}

#[test]
fn midstate_search_agrees_with_plain_hashing_over_many_nonces() {
    // Every nonce a search skips must really miss the target, and the one it returns must hit:
    // an easy target (about one nonce in 16) exercises both sides of the top-word shortcut.
    let mut header = genesis();
    header.time += 12_345;
    let target = U256::MAX.shr(4);
    let mut hasher = HeaderHasher::new(&header);
    let mut start = 0u32;
    for _ in 0..40 {
        let (found, tried) = hasher.search(start, 1_000, &target);
        let nonce = found.expect("one nonce in 16 meets the target");
        assert_eq!(nonce, start + tried - 1);
        for n in start..nonce {
            let mut x = header;
            x.nonce = n;
            assert!(U256::from_le_bytes(&sha256d(&x.to_bytes())) > target, "nonce {n} meets the target but was skipped");
        }
        let mut x = header;
        x.nonce = nonce;
        assert_eq!(hasher.hash(nonce), sha256d(&x.to_bytes()));
        assert!(U256::from_le_bytes(&x.hash()) <= target);
        start = nonce + 1;
    }
}

#[test]
fn merkle_root_of_block_100000_and_the_odd_level_rule() {
    let txids: Vec<Hash> = [
        "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    ]
    .iter()
    .map(|x| h(x))
    .collect();
    assert_eq!(hash_hex(&merkle_root(&txids)), "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766");
    // One transaction: the root is its id (the genesis block).
    let cb = h("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
    assert_eq!(merkle_root(&[cb]), cb);
    // Odd levels pair the last hash with itself: [a, b, c] has the root of [a, b, c, c], and
    // five leaves the root of [a..e, e] at the first level (the CVE-2012-2459 ambiguity).
    let three = &txids[..3];
    let mut four = three.to_vec();
    four.push(txids[2]);
    assert_eq!(merkle_root(three), merkle_root(&four));
    assert_ne!(merkle_root(three), merkle_root(&txids));
    let mut five = txids.clone();
    five.push(cb);
    let mut six = five.clone();
    six.push(cb);
    assert_eq!(merkle_root(&five), merkle_root(&six));
    assert_eq!(merkle_levels(&five).iter().map(|l| l.len()).collect::<Vec<_>>(), vec![5, 3, 2, 1]);
    assert_eq!(merkle_root(&[]), ZERO_HASH);
}

#[test]
fn bitcoin_core_retarget_vectors() {
    let p = RetargetParams::mainnet();
    // (last retarget time, last block time, last bits, expected bits), from pow_tests.cpp.
    let cases = [
        (1261130161i64, 1262152739i64, 0x1d00ffffu32, 0x1d00d86au32), // no constraint applies
        (1231006505, 1233061996, 0x1d00ffff, 0x1d00ffff),             // capped at the pow limit
        (1279008237, 1279297671, 0x1c05a3f4, 0x1c0168fd),             // timespan clamped to 1/4
        (1263163443, 1269211443, 0x1c387f6f, 0x1d00e1fd),             // timespan clamped to 4x
    ];
    for (first, last, bits, want) in cases {
        assert_eq!(next_bits(bits, last, first, &p), want, "{first} {last} {bits:08x}");
    }
    // The window starts interval - 1 blocks back: block 30240 for the retarget after 32255.
    assert_eq!(retarget_first_height(32255, 2016), 30240);
    assert_eq!(retarget_first_height(2015, 2016), 0);
}

#[test]
fn compact_encoding_round_trips_and_edge_cases() {
    for bits in [0x1d00ffffu32, 0x1b04864c, 0x1c05a3f4, 0x207fffff, 0x1d00d86a, 0x17034219, 0x03123456, 0x01120000, 0x02008000] {
        let t = bits_to_target(bits).unwrap();
        assert_eq!(target_to_bits(&t), bits, "{bits:08x}");
    }
    // From Bitcoin Core's arith_uint256 tests: negative and overflowing encodings.
    let (_, negative, _) = bits_to_target_full(0x04923456);
    assert!(negative);
    let (_, _, overflow) = bits_to_target_full(0xff123456);
    assert!(overflow);
    assert_eq!(bits_to_target(0x04923456), None);
    assert_eq!(bits_to_target(0x00000000), None);
    // Precision is lost below the top 23 bits, and re-encoding is stable.
    let t = U256::from_u64(0x1234_5678_9abc).shl(100);
    let once = target_to_bits(&t);
    assert_eq!(target_to_bits(&bits_to_target(once).unwrap()), once);
    // Work: 2^256 / (target + 1); difficulty 1 is 2^32 hashes (4295032833 exactly).
    let w = block_work(&bits_to_target(0x1d00ffff).unwrap());
    assert_eq!(w, U256::from_u64(4295032833));
    let t = target_for_work(&U256::from_u64(1_000_000));
    let back = block_work(&t);
    assert!((back.to_f64() - 1e6).abs() <= 1.0, "{back:?}");
}

#[test]
fn whitepaper_section_11_table() {
    // Values printed in the whitepaper (q = 0.1 and q = 0.3).
    let cases = [(0.1, 0, 1.0), (0.1, 1, 0.2045873), (0.1, 2, 0.0509779), (0.1, 5, 0.0009137), (0.1, 10, 0.0000012), (0.3, 5, 0.1773523), (0.3, 10, 0.0416605)];
    for (q, z, p) in cases {
        assert!((attacker_success(q, z) - p).abs() < 5e-7, "q={q} z={z}: {}", attacker_success(q, z));
    }
    assert_eq!(attacker_success(0.5, 6), 1.0);
}

#[test]
fn eyal_sirer_revenue() {
    // Threshold 1/3 at gamma 0, 1/4 at gamma 1/2, 0 at gamma 1 (the paper's section 4).
    assert!((selfish_revenue(1.0 / 3.0, 0.0) - 1.0 / 3.0).abs() < 1e-9);
    assert!((selfish_revenue(0.25, 0.5) - 0.25).abs() < 1e-9);
    assert!(selfish_revenue(0.1, 1.0) > 0.1);
    assert!(selfish_revenue(0.2, 0.0) < 0.2);
}

/// `U256::mul_div` (64-bit arithmetic only) against the same product and quotient in 128-bit
/// limbs, over random and edge values.
#[test]
fn mul_div_matches_a_128_bit_reference() {
    fn reference(a: &U256, m: u64, d: u64) -> U256 {
        let mut wide = [0u64; 5];
        let mut carry = 0u128;
        for (w, limb) in wide.iter_mut().zip(a.0.iter()) {
            let p = *limb as u128 * m as u128 + carry;
            *w = p as u64;
            carry = p >> 64;
        }
        wide[4] = carry as u64;
        let mut rem = 0u128;
        for i in (0..5).rev() {
            let cur = (rem << 64) | wide[i] as u128;
            wide[i] = (cur / d as u128) as u64;
            rem = cur % d as u128;
        }
        if wide[4] != 0 { U256::MAX } else { U256([wide[0], wide[1], wide[2], wide[3]]) }
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let edges = [0, 1, 2, 3, 0xffff_ffff, 0x1_0000_0000, u64::MAX / 2, u64::MAX / 2 + 1, u64::MAX - 1, u64::MAX];
    for k in 0..4000 {
        let a = match k % 4 {
            0 => U256([next(), next(), next(), next()]),
            1 => U256([next(), next(), 0, 0]),
            2 => U256::MAX,
            _ => U256([edges[k % edges.len()], next() >> (k % 64), edges[(k / 7) % edges.len()], next() >> 32]),
        };
        let m = if k % 3 == 0 { edges[k % edges.len()] } else { next() >> (k % 64) };
        let d = (if k % 5 == 0 { edges[(k / 3) % edges.len()] } else { next() >> (k % 64) }).max(1);
        assert_eq!(a.mul_div(m, d), Some(reference(&a, m, d)), "{a:?} * {m} / {d}");
    }
    assert_eq!(U256::MAX.mul_div(5, 0), None);
}
