// SPDX-License-Identifier: Apache-2.0
// certledger (contracts/src/RFC9162.sol)
pragma solidity 0.8.30;

/**
 * @dev The project's one Merkle construction, RFC 9162 section 2.1 (same as RFC 6962):
 * SHA-256, leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right).
 * Not OpenZeppelin's MerkleProof, which hashes sorted pairs and would accept other trees.
 * See docs/merkle.md.
 */
library RFC9162 {
    bytes1 internal constant NODE_HASH_PREFIX = 0x01;

    function nodeHash(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(NODE_HASH_PREFIX, left, right));
    }

    /**
     * @dev Root implied by an inclusion proof (RFC 9162 section 2.1.3.2), or `ok == false`
     * when the proof is malformed for `index` and `size`.
     */
    function rootFromInclusionProof(
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) internal pure returns (bool ok, bytes32 root) {
        if (index >= size) return (false, bytes32(0));
        uint256 fn = index;
        uint256 sn = size - 1;
        root = leafHash;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return (false, bytes32(0));
            if (fn & 1 == 1 || fn == sn) {
                root = nodeHash(proof[i], root);
                // A right-edge node with no right sibling: climb until we are a right child.
                while (fn & 1 == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                root = nodeHash(root, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return (sn == 0, root);
    }

    function verifyInclusion(
        bytes32 root,
        uint256 index,
        uint256 size,
        bytes32 leafHash,
        bytes32[] calldata proof
    ) internal pure returns (bool) {
        (bool ok, bytes32 computed) = rootFromInclusionProof(index, size, leafHash, proof);
        return ok && computed == root;
    }
}
