// Hardhat 2.x configuration for the certledger local development chain.
// Started by scripts/node-start, stopped by scripts/node-stop.
//
// Hardhat 2 (not 3) because Hardhat 3 needs Node >= 22 and we support Node 20.

// ---------------------------------------------------------------------------
// DEVELOPMENT ONLY. This is the well-known, publicly published Hardhat/Foundry
// test mnemonic. Anyone can derive its private keys. NEVER use it (or any
// account derived from it) on a real network or with real funds.
// ---------------------------------------------------------------------------
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      // Fixed chain id, certledger checks it before sending anything.
      chainId: 31337,
      hardfork: "cancun",
      accounts: {
        mnemonic: DEV_MNEMONIC,
        path: "m/44'/60'/0'/0",
        initialIndex: 0,
        count: 20,
        accountsBalance: "10000000000000000000000", // 10 000 ETH each
      },
      // One block per transaction, immediately; no interval mining.
      mining: {
        auto: true,
        interval: 0,
      },
      // Fixed genesis base fee of 1 gwei (Hardhat's default is 1 gwei too,
      // but pinning it keeps gas-price/fee assertions in tests deterministic
      // across Hardhat upgrades). On an idle automining chain the base fee
      // then only changes as blocks are actually filled.
      initialBaseFeePerGas: 1_000_000_000,
      // Behave like a production node (Besu): a reverting transaction is mined with
      // status 0 instead of failing eth_sendRawTransaction; calls still report reverts.
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
      // Deterministic block timestamps are not forced here; tests that need
      // them should use evm_setNextBlockTimestamp.
    },
  },
};
