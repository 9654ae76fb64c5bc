// The official Node SDK against the fake (tests/sendgrid/test_node_sdk.py), unmodified:
//   node node_sdk.js send <base url> <api key>   -> {"status": ..., "messageId": ...}
//   node node_sdk.js verify < {"publicKey", "payload", "signature", "timestamp"}
//                                                -> {"valid": ..., "tampered": ...}
const {Client} = require('@sendgrid/client');
const sgMail = require('@sendgrid/mail');
const {EventWebhook} = require('@sendgrid/eventwebhook');

const [mode, url, key] = process.argv.slice(2);
if (mode === 'send') {
  const client = new Client();
  client.setApiKey(key);
  client.setDefaultRequest('baseUrl', url);  // the fake stands in for https://api.sendgrid.com
  sgMail.setClient(client);
  sgMail
    .send({
      to: ['ann@example.com', 'bounce@simulator.mailblocks.test'],
      from: 'shop@example.com',
      subject: 'Your order',
      text: 'Thanks for your order.',
      categories: ['orders'],
      customArgs: {order: '42'},
    })
    .then(([response]) => {
      console.log(JSON.stringify({status: response.statusCode, messageId: response.headers['x-message-id']}));
    })
    .catch((err) => {
      console.log(JSON.stringify({error: String(err), body: err.response && err.response.body}));
      process.exit(1);
    });
} else {
  let input = '';
  process.stdin.on('data', (chunk) => (input += chunk)).on('end', () => {
    const data = JSON.parse(input);
    const webhook = new EventWebhook();
    const publicKey = webhook.convertPublicKeyToECDSA(data.publicKey);
    console.log(JSON.stringify({
      valid: webhook.verifySignature(publicKey, data.payload, data.signature, data.timestamp),
      tampered: webhook.verifySignature(publicKey, data.payload + ' ', data.signature, data.timestamp),
    }));
  });
}
