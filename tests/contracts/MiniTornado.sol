// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

/// A fixed-denomination pool with Tornado Cash's Deposit/Withdrawal events, for tracing tests only.
/// There is no zero-knowledge proof: any caller acts as the "relayer" and names the recipient, which is
/// enough to reproduce the on-chain footprint (deposit logs, and an internal ETH payout on withdraw).
contract MiniTornado {
    uint256 public immutable denomination;
    uint32 public nextIndex;
    mapping(bytes32 => bool) public commitments;
    mapping(bytes32 => bool) public nullifierHashes;

    event Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp);
    event Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee);

    constructor(uint256 denomination_) {
        denomination = denomination_;
    }

    function deposit(bytes32 commitment) external payable {
        require(msg.value == denomination, "denomination");
        require(!commitments[commitment], "commitment used");
        commitments[commitment] = true;
        emit Deposit(commitment, nextIndex, block.timestamp);
        nextIndex += 1;
    }

    function withdraw(address payable to, bytes32 nullifierHash) external {
        require(!nullifierHashes[nullifierHash], "nullifier spent");
        nullifierHashes[nullifierHash] = true;
        (bool ok, ) = to.call{value: denomination}("");
        require(ok, "payout failed");
        emit Withdrawal(to, nullifierHash, msg.sender, 0);
    }
}
