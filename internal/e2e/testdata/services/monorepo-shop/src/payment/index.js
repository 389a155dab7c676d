// The payment service: a gRPC server whose service definition is the
// repository's shared pb/demo.proto, loaded at run time.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { charge } = require('./charge');

const PROTO = path.join(__dirname, '..', '..', 'pb', 'demo.proto');
const shop = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: false })).shop;

const server = new grpc.Server();
server.addService(shop.PaymentService.service, {
  Charge(call, callback) {
    try {
      callback(null, charge(call.request));
    } catch (err) {
      callback({ code: grpc.status.INVALID_ARGUMENT, message: err.message });
    }
  },
});

const port = process.env.PAYMENT_PORT || '50052';
server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log(`payment service listening on ${bound}`);
});
