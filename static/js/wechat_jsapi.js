// WeChat Pay inside WeChat's browser (JSAPI): hand the signed prepay order to WeixinJSBridge.
// The bridge's answer only moves the page to "waiting for confirmation"; the order is paid
// when WeChat Pay's signed notification reaches the shop, never because this page says so.
(function () {
  "use strict";
  var button = document.getElementById("wechat-pay-button");
  var data = document.getElementById("wechat-pay-params");
  if (!button || !data) {
    return;
  }
  var params = JSON.parse(data.textContent);
  var message = document.getElementById("wechat-pay-message");
  var outside = document.getElementById("wechat-pay-outside");

  function bridge() {
    return typeof window.WeixinJSBridge === "object" && window.WeixinJSBridge !== null ? window.WeixinJSBridge : null;
  }

  function ready() {
    button.disabled = false;
    if (outside) {
      outside.hidden = true;
    }
  }

  function answered(result) {
    var answer = (result && result.err_msg) || "";
    if (answer === "get_brand_wcpay_request:ok") {
      window.location.assign(button.dataset.returnedUrl);
      return;
    }
    button.disabled = false;
    if (answer !== "get_brand_wcpay_request:cancel" && message) {
      message.textContent = button.dataset.failed;
      message.hidden = false;
    }
  }

  button.addEventListener("click", function () {
    var wx = bridge();
    if (!wx) {
      return;
    }
    button.disabled = true;
    if (message) {
      message.hidden = true;
    }
    wx.invoke("getBrandWCPayRequest", params, answered);
  });

  if (bridge()) {
    ready();
  } else {
    // WeChat injects its bridge after the page has loaded and announces it with this event.
    button.disabled = true;
    if (outside) {
      outside.hidden = false;
    }
    document.addEventListener("WeixinJSBridgeReady", ready, false);
  }
})();
